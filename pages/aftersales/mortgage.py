"""按揭办理: signed owners who pay by mortgage, 待办 → 送办 → 已办 with the document checklist."""

import dash

from data_layer.models import CaseKind
from pages.aftersales.case_layout import build

dash.register_page(
    __name__,
    path="/aftersales/mortgage",
    nav_module="aftersales",
    label="按揭办理",
    permission="aftersales.view",
    order=760,
    title="按揭办理 · Loupan",
)


def layout(**_query):
    return build(CaseKind.MORTGAGE)
