"""``torch.fx.passes``: ready-made graph passes; today ``shape_prop.ShapeProp``."""

from glassgrad.fx.passes import shape_prop  # noqa: F401

__all__ = ["shape_prop"]
