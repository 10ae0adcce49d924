"""Loupan 售楼管理系统: the Dash application."""

from .app import create_app

__all__ = ["create_app"]
