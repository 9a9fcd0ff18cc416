"""Shared test setup. pytest puts this folder on sys.path, so tests import ``op_catalog`` directly."""
