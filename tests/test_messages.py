"""站内消息: sending, reading, archiving, and that nobody reads another's messages."""

import json

import pytest
from sqlalchemy import func, select

from data_layer.commands import messages
from data_layer.errors import NotFound, ValidationError
from data_layer.models import AuditEntry, Message
from data_layer.queries import messages as queries
from tests import dash_client
from tests.conftest import login


def test_message_reaches_each_recipient_and_counts_as_unread(session, world):
    u = world.users
    sent = messages.send_message(
        session,
        actor=u["manager"],
        recipient_ids=[u["consultant"].id, u["consultant2"].id],
        subject="周末加班",
        body="周六上午九点开盘，请准时到岗。",
    )
    assert len(sent) == 2
    assert queries.unread_count(session, u["consultant"]) == 1
    inbox = queries.inbox(session, u["consultant"])
    assert list(inbox["subject"]) == ["周末加班"]
    assert inbox.iloc[0]["other"] == u["manager"].display_name
    assert list(queries.sent(session, u["manager"])["subject"]) == ["周末加班", "周末加班"]
    assert session.scalar(select(func.count()).where(AuditEntry.action == "message.send")) == 1


def test_reading_marks_read_once(session, world):
    u = world.users
    [msg] = messages.send_message(
        session, actor=u["finance"], recipient_ids=[u["manager"].id], subject="回款", body=""
    )
    messages.mark_read(session, actor=u["manager"], message_id=msg.id)
    first = msg.read_at
    messages.mark_read(session, actor=u["manager"], message_id=msg.id)
    assert msg.read_at == first
    assert queries.unread_count(session, u["manager"]) == 0


def test_nobody_reads_or_archives_another_users_message(session, world):
    u = world.users
    [msg] = messages.send_message(
        session, actor=u["finance"], recipient_ids=[u["manager"].id], subject="私信", body=""
    )
    for action in (messages.mark_read, messages.archive):
        with pytest.raises(NotFound):
            action(session, actor=u["consultant"], message_id=msg.id)
    assert msg.read_at is None and not msg.archived


@pytest.mark.parametrize(
    ("recipients", "subject", "body", "field"),
    [
        ([], "主题", "", "recipients"),
        (["me"], "", "", "subject"),
        (["me"], "长" * 101, "", "subject"),
        (["me"], "主题", "字" * 5001, "body"),
    ],
)
def test_bad_message_is_refused_and_nothing_sent(session, world, recipients, subject, body, field):
    ids = [world.users["manager"].id if r == "me" else r for r in recipients]
    with pytest.raises(ValidationError) as err:
        messages.send_message(
            session, actor=world.users["consultant"], recipient_ids=ids, subject=subject, body=body
        )
    assert field in err.value.errors
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_disabled_recipient_is_refused(session, world):
    world.users["finance"].active = False
    with pytest.raises(ValidationError, match="停用"):
        messages.send_message(
            session,
            actor=world.users["manager"],
            recipient_ids=[world.users["finance"].id],
            subject="x",
            body="",
        )


def _update(client, send=None, inbox=None, subject="", body="", recipients=None):
    output = "..msg-inbox.rowData...msg-sent.rowData...msg-feedback.children...msg-view.children.."
    changed = "msg-send.n_clicks" if send else "msg-inbox.selectedRows"
    inputs = [
        {"id": "msg-send", "property": "n_clicks", "value": send},
        {"id": "msg-inbox", "property": "selectedRows", "value": inbox},
        {"id": "msg-sent", "property": "selectedRows", "value": None},
        {"id": "msg-archive", "property": "n_clicks", "value": None},
    ]
    state = [
        {"id": "msg-recipients", "property": "value", "value": recipients},
        {"id": "msg-subject", "property": "value", "value": subject},
        {"id": "msg-body", "property": "value", "value": body},
        {"id": "msg-view", "property": "children", "value": None},
    ]
    response = dash_client.send(client, dash_client.body(output, inputs, state, changed))
    assert response.status_code == 200
    return response.json["response"]


def test_message_sent_on_the_screen_is_read_by_its_recipient(app_env):
    db = app_env.server.extensions["loupan_db"]
    with db.factory() as s:
        from data_layer.models import User

        finance_id = s.scalar(select(User.id).where(User.username == "finance"))
    sender = app_env.server.test_client()
    login(sender, "manager")
    out = _update(
        sender,
        send=1,
        subject="<script>alert(1)</script>",
        body="第一行\n第二行",
        recipients=[finance_id],
    )
    assert "已发送给 1 人" in json.dumps(out["msg-feedback"], ensure_ascii=False)

    reader = sender.application.test_client()
    login(reader, "finance")
    inbox = _update(reader)["msg-inbox"]["rowData"]
    assert inbox[0]["subject"] == "<script>alert(1)</script>"
    assert inbox[0]["status"] == "未读"
    opened = _update(reader, inbox=[inbox[0]])
    shown = json.dumps(opened["msg-view"], ensure_ascii=False)
    # The subject travels as a plain text child, which React renders as text, not markup.
    assert '"children": "<script>alert(1)</script>"' in shown
    assert "第一行\\n第二行" in shown
    assert opened["msg-inbox"]["rowData"][0]["status"] == "已读"
