"""The stand-in's hosted test pages: Checkout and Connect onboarding. Plain HTML, no scripts."""

from __future__ import annotations

from html import escape
from typing import Any

from .state import format_amount

TEST_BANNER = "TEST PAYMENT — Stripe stand-in, no real money"

METHOD_LABELS = {
    "card": "Pay with card",
    "ideal": "Pay with iDEAL | Wero",
    "bancontact": "Pay with Bancontact",
    "sepa_debit": "Pay with SEPA Direct Debit",
}

# Pages carry their own styles and load nothing else.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #f6f7f9; }
.banner { background: #8a1c00; color: #fff; padding: 0.75rem 1rem; text-align: center;
  font-weight: 700; letter-spacing: 0.02em; }
main { max-width: 36rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem;
  border-radius: 0.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / 15%); }
h1 { font-size: 1.5rem; margin-top: 0; }
table { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
th, td { text-align: left; padding: 0.4rem 0; border-bottom: 1px solid #ddd;
  vertical-align: top; }
td.amount, th.amount { text-align: right; white-space: nowrap; }
.description { display: block; color: #555; font-size: 0.9rem; }
form { margin: 0.5rem 0; }
button { font: inherit; width: 100%; padding: 0.7rem 1rem; border-radius: 0.35rem;
  border: 2px solid #1d4ed8; background: #1d4ed8; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #8a1c00; border-color: #8a1c00; }
button:focus-visible, a:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.alert { border-left: 4px solid #b91c1c; background: #fef2f2; padding: 0.6rem 0.9rem; }
code { word-break: break-all; }
"""


def document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · Stripe stand-in</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<header><p class="banner">{escape(TEST_BANNER)}</p></header>\n'
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _post_button(action: str, label: str, *, fields: dict[str, str] | None = None,
                 secondary: bool = False) -> str:  # fmt: skip
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in (fields or {}).items()
    )
    css = ' class="secondary"' if secondary else ""
    return (
        f'<form method="post" action="{escape(action)}">{hidden}'
        f'<button type="submit"{css}>{escape(label)}</button></form>'
    )


def checkout_page(
    session: dict[str, Any], line_items: list[dict[str, Any]], *, message: str | None = None
) -> str:
    currency = session["currency"]
    rows = []
    for item in line_items:
        price = item["price_data"]
        product = price["product_data"]
        description = product.get("description")
        name = escape(product["name"])
        if item["quantity"] != 1:
            name += f" \N{MULTIPLICATION SIGN} {item['quantity']}"
        if description:
            name += f'<span class="description">{escape(description)}</span>'
        amount = format_amount(price["unit_amount"] * item["quantity"], currency)
        rows.append(f'<tr><td>{name}</td><td class="amount">{escape(amount)}</td></tr>')
    total = escape(format_amount(session["amount_total"], currency))
    base = f"/checkout/{escape(session['id'])}"
    parts = [
        "<h1>Checkout (test)</h1>",
        f'<p role="alert" class="alert">{escape(message)}</p>' if message else "",
        "<table>",
        "<caption>Order summary</caption>",
        '<thead><tr><th scope="col">Item</th><th scope="col" class="amount">Amount</th>'
        "</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        f'<tfoot><tr><th scope="row">Total</th><td class="amount"><strong>{total}</strong>'
        "</td></tr></tfoot>",
        "</table>",
        '<section aria-labelledby="methods-heading">',
        '<h2 id="methods-heading">Pay (simulated)</h2>',
    ]
    for method in session["payment_method_types"]:
        parts.append(_post_button(f"{base}/pay", METHOD_LABELS[method], fields={"method": method}))
    decline_method = "card" if "card" in session["payment_method_types"] else ""
    parts.append(
        _post_button(
            f"{base}/decline",
            "Decline payment",
            fields={"method": decline_method} if decline_method else None,
            secondary=True,
        )
    )
    parts.append("</section>")
    if session.get("cancel_url"):
        parts.append(f'<p><a href="{escape(session["cancel_url"])}">Back</a></p>')
    return document("Checkout", "\n".join(part for part in parts if part))


def checkout_closed_page(session: dict[str, Any]) -> str:
    if session["status"] == "expired":
        heading = "This checkout session has expired"
        text = "The payment can no longer be made here. Start again from the portal."
        link = session.get("cancel_url")
    else:
        heading = "This checkout session is complete"
        text = (
            "The payment was made."
            if session["payment_status"] == "paid"
            else "The payment is being processed."
        )
        link = session.get("success_url", "").replace("{CHECKOUT_SESSION_ID}", session["id"])
    body = f"<h1>{escape(heading)}</h1>\n<p>{escape(text)}</p>"
    if link:
        body += f'\n<p><a href="{escape(link)}">Back</a></p>'
    return document("Checkout", body)


def onboarding_page(account: dict[str, Any], link: dict[str, Any]) -> str:
    body = "\n".join(
        [
            "<h1>Stripe Connect onboarding (test)</h1>",
            f"<p>Connected account <code>{escape(account['id'])}</code>"
            + (f" ({escape(account['email'])})" if account.get("email") else "")
            + ".</p>",
            "<p>Completing onboarding marks the account as verified: it can take payments and "
            "receive payouts.</p>",
            _post_button(f"/connect/onboarding/{link['_id']}/complete", "Complete onboarding"),
            f'<p><a href="{escape(link["_refresh_url"])}">Leave</a></p>',
        ]
    )
    return document("Connect onboarding", body)


def message_page(title: str, message: str) -> str:
    return document(title, f"<h1>{escape(title)}</h1>\n<p>{escape(message)}</p>")


def index_page(base_url: str) -> str:
    return message_page(
        "Stripe stand-in",
        f"This is a stand-in for the Stripe API at {base_url}, for tests and local "
        "development. Nothing here moves real money.",
    )
