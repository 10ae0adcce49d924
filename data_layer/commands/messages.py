"""站内消息: send internal messages and mark them read or archived."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, authz
from ..errors import NotFound, ValidationError
from ..models import Message, User, utcnow

MAX_SUBJECT = 100
MAX_BODY = 5000
MAX_RECIPIENTS = 200


def send_message(
    session: Session, *, actor: User, recipient_ids: list[int], subject: str, body: str
) -> list[Message]:
    authz.require(actor, "desktop.view")
    subject = (subject or "").strip()
    body = (body or "").strip()
    wanted = {int(r) for r in recipient_ids or []}
    errors = {}
    if not wanted:
        errors["recipients"] = "请选择收件人。"
    elif len(wanted) > MAX_RECIPIENTS:
        errors["recipients"] = f"一次最多发送给 {MAX_RECIPIENTS} 人。"
    if not subject:
        errors["subject"] = "请填写主题。"
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = f"主题不能超过 {MAX_SUBJECT} 个字。"
    if len(body) > MAX_BODY:
        errors["body"] = f"正文不能超过 {MAX_BODY} 个字。"
    if errors:
        raise ValidationError("；".join(errors.values()), "Please correct the message.", errors)
    recipients = list(
        session.scalars(select(User).where(User.id.in_(wanted), User.active.is_(True)))
    )
    if len(recipients) != len(wanted):
        raise ValidationError(
            "收件人不存在或已停用。",
            "A recipient does not exist or is disabled.",
            {"recipients": "unknown"},
        )
    messages = [
        Message(sender_id=actor.id, recipient_id=r.id, subject=subject, body=body)
        for r in recipients
    ]
    session.add_all(messages)
    session.flush()
    audit.record(
        session,
        actor,
        "message.send",
        messages[0],
        after={"subject": subject, "recipients": sorted(wanted)},
    )
    return messages


def _own(session: Session, actor: User, message_id: int) -> Message:
    message = session.get(Message, message_id)
    # Another user's message is reported as missing: its existence is not the reader's business.
    if message is None or message.recipient_id != actor.id:
        raise NotFound("消息不存在。", "No such message.")
    return message


def mark_read(session: Session, *, actor: User, message_id: int) -> Message:
    message = _own(session, actor, message_id)
    if message.read_at is None:
        message.read_at = utcnow()
        audit.record(session, actor, "message.read", message)
    return message


def archive(session: Session, *, actor: User, message_id: int) -> Message:
    message = _own(session, actor, message_id)
    message.archived = True
    audit.record(session, actor, "message.archive", message)
    return message
