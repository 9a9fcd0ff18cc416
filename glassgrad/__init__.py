"""glassgrad"""
