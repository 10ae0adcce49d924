"""The buyer of a filed contract (已备案) keeps the name and ID number on record with the housing
authority: 修改资料 refuses to change them (the way is 撤销备案 then 更名) and changes nothing,
while other details stay editable, and after the filing is withdrawn the name can be corrected."""

from __future__ import annotations

import pytest

from data_layer.commands import crm
from data_layer.commands import deals as deal_cmd
from data_layer.errors import ValidationError
from tests.test_filed_contract_changes import TODAY, filed, market  # noqa: F401 (fixture)


def _edit(session, market, customer, **values):  # noqa: F811
    return crm.update_customer(
        session,
        actor=market.user("consultant"),
        customer_id=customer.id,
        values={"name": customer.name, "id_number": customer.id_number or "", **values},
        today=TODAY,
    )


def test_the_buyer_of_a_filed_contract_keeps_name_and_id(session, market):  # noqa: F811
    deal = filed(session, market)
    buyer = market.customers[0]
    name, id_number = buyer.name, buyer.id_number
    with pytest.raises(ValidationError) as refused:
        _edit(session, market, buyer, name=name + "改")
    assert "已备案" in refused.value.message and "更名" in refused.value.message
    assert "withdraw the filing" in refused.value.message_en
    session.refresh(buyer)
    assert (buyer.name, buyer.id_number) == (name, id_number)
    # Other details are not on the filing: still editable.
    _edit(session, market, buyer, notes="周末来访")
    assert buyer.notes == "周末来访" and buyer.name == name
    deal_cmd.unfile_contract(
        session, actor=market.user("manager"), deal_id=deal.id, reason="更正买受人姓名"
    )
    _edit(session, market, buyer, name=name + "改")
    assert buyer.name == name + "改"
