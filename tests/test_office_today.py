"""The office's day, not the server's: dates that default to today and dates taken from stored
UTC moments are in the office's zone (Settings.timezone, Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, datetime

from data_layer import localtime
from data_layer.commands import crm
from data_layer.models import Customer


def test_today_is_the_date_in_the_zone():
    # UTC+14 and UTC-12 are 26 hours apart: their dates always differ.
    assert localtime.today("Pacific/Kiritimati") > localtime.today("Etc/GMT+12")
    assert localtime.today("UTC") == datetime.now(UTC).date()
    assert localtime.today() == localtime.today("Asia/Shanghai")


def test_protection_starts_on_the_office_day_of_the_assignment():
    # Assigned at 20:00 UTC on 1 January: 04:00 on 2 January in Beijing.
    customer = Customer(assigned_at=datetime(2026, 1, 1, 20, 0), last_contact_on=None)
    assert crm.protected_until(customer, 30).isoformat() == "2026-02-01"
    customer.assigned_at = datetime(2026, 1, 1, 15, 59)  # 23:59 in Beijing, still 1 January
    assert crm.protected_until(customer, 30).isoformat() == "2026-01-31"
