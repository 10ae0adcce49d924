"""Domain errors: each carries a message a person can act on, in Chinese and English."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal of a business action. `message` is Simplified Chinese, `message_en` English."""

    def __init__(self, message: str, message_en: str = ""):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message

    def text(self, language: str = "zh") -> str:
        return self.message_en if language == "en" else self.message


class PermissionDenied(DomainError):
    def __init__(self, permission: str = ""):
        super().__init__(
            "您没有执行此操作的权限，请联系管理员。",
            "You do not have permission for this action; ask an administrator.",
        )
        self.permission = permission


class NotFound(DomainError):
    pass


class ValidationError(DomainError):
    """Bad input: `errors` maps a field name to its message."""

    def __init__(self, message: str, message_en: str = "", errors: dict | None = None):
        super().__init__(message, message_en)
        self.errors = errors or {}


class LoginRefused(DomainError):
    pass
