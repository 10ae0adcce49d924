"""产权办理: owners who paid in full, 待办 → 已申请 → 送办 → 出证 with the document checklist."""

import dash

from data_layer.models import CaseKind
from pages.aftersales.case_layout import build

dash.register_page(
    __name__,
    path="/aftersales/certificates",
    nav_module="aftersales",
    label="产权办理",
    permission="aftersales.view",
    order=770,
    title="产权办理 · Loupan",
)


def layout(**_query):
    return build(CaseKind.CERTIFICATE)
