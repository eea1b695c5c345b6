"""chengxin (诚信): an open-source e-commerce integrity platform."""

__version__ = "0.1.0"
