"""allauth's pages in the site's design and words: the site's header and footer, labels above the
fields, errors beside them, the site's buttons, one word for logging in, and the account menu as
a navigation with the current page marked."""

from __future__ import annotations

import re

import pytest
from django.utils.html import escape

from portal.accounts.models import Role
from tests.enrolments.factories import held_enrolment
from tests.portal.factories import UserFactory
from tests.portal.helpers import totp_code, totp_enable

pytestmark = pytest.mark.django_db
PASSWORD = "een-Goed-wachtwoord-42"
# allauth's own words for logging in and signing up, which the site does not use.
ALLAUTH_WORDS_NL = ["Aanmelden", "aanmelden", "Afmelden", "afmelden", "Registreren", "registreer"]
ALLAUTH_WORDS_EN = ["Sign In", "Sign in", "sign in", "Sign Up", "Signup", "sign up", "Sign Out"]


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def _field(main: str, field_id: str) -> str:
    """The HTML of the ``.field`` block that holds the input ``field_id``."""
    blocks = re.findall(r'<div class="field account-field[^"]*">.*?\n</div>', main, re.S)
    [block] = [block for block in blocks if f'id="{field_id}"' in block]
    return block


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ],
)
def test_the_entrance_pages_are_in_the_site_design(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    assert 'class="container account-page account-page--entrance"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert _title(response).endswith("| Routewijzer")


def test_the_login_form_has_labels_above_its_fields_and_the_sites_button(client):
    main = _main(client.get("/accounts/login/"))
    login = _field(main, "id_login")
    assert login.index('<label for="id_login">') < login.index('id="id_login"')
    password = _field(main, "id_password")
    assert password.index('<label for="id_password">') < password.index('id="id_password"')
    assert re.search(r'<button type="submit" class="button">\s*Inloggen\s*</button>', main)
    assert '<form class="account-form"' in main


def test_the_login_page_says_log_in_like_the_menu(client):
    response = client.get("/accounts/login/")
    main = _main(response)
    assert re.search(r"<h1>\s*Inloggen\s*</h1>", main)
    assert _title(response) == "Inloggen | Routewijzer"
    assert not [word for word in ALLAUTH_WORDS_NL if word in main]
    assert 'href="/accounts/signup/"' in main
    assert 'aria-current="page">Inloggen</a>' in response.content.decode()  # the menu's entry


@pytest.mark.parametrize(
    ("path", "heading", "button"),
    [
        ("/en/accounts/login/", "Log in", "Log in"),
        ("/en/accounts/signup/", "Create account", "Create account"),
    ],
)
def test_the_english_entrance_pages_use_the_sites_words(client, path, heading, button):
    response = client.get(path)
    main = _main(response)
    assert re.search(rf"<h1>\s*{heading}\s*</h1>", main)
    assert re.search(rf'<button type="submit" class="button">\s*{button}\s*</button>', main)
    assert _title(response) == f"{heading} | Routewijzer"
    assert not [word for word in ALLAUTH_WORDS_EN if word in main]


def test_the_sign_up_page_points_to_log_in(client):
    main = _main(client.get("/en/accounts/signup/"))
    assert 'Already have an account? <a href="/en/accounts/login/">Log in</a>.' in main
    assert not [word for word in ALLAUTH_WORDS_NL if word in _main(client.get("/accounts/signup/"))]


def test_the_links_between_log_in_and_sign_up_keep_where_to_go_next(client):
    main = _main(client.get("/en/accounts/signup/?next=/en/mijn-cursussen/"))
    assert '<a href="/en/accounts/login/?next=%2Fen%2Fmijn-cursussen%2F">Log in</a>' in main
    main = _main(client.get("/en/accounts/login/?next=/en/mijn-cursussen/"))
    assert (
        '<a href="/en/accounts/signup/?next=%2Fen%2Fmijn-cursussen%2F">Create an account</a>'
        in main
    )


def test_sign_up_errors_stand_beside_their_fields(client):
    response = client.post(
        "/en/accounts/signup/", {"email": "geen-adres", "password1": "123", "password2": "1"}
    )
    main = _main(response)
    email = _field(main, "id_email")
    assert "field--invalid" in email
    assert 'aria-describedby="id_email_error"' in email
    assert email.index('id="id_email"') < email.index('id="id_email_error"')
    password = _field(main, "id_password1")
    assert 'id="id_password1_error"' in password
    assert 'id="id_password1_helptext"' in password


def test_a_failed_login_says_so_above_the_form(client):
    user = UserFactory()
    response = client.post("/en/accounts/login/", {"login": user.email, "password": "fout"})
    main = _main(response)
    alert = re.search(r'<div class="alert alert--error" role="alert">(.*?)</div>', main, re.S)
    assert alert
    assert main.index("alert--error") < main.index('id="id_login"')


def test_logging_out_says_log_out(client):
    client.force_login(UserFactory())
    response = client.get("/en/accounts/logout/")
    main = _main(response)
    assert re.search(r"<h1>\s*Log out\s*</h1>", main)
    assert "Do you want to log out?" in main
    assert re.search(r'<button type="submit" class="button">\s*Log out\s*</button>', main)
    assert not [word for word in ALLAUTH_WORDS_EN if word in main]


@pytest.mark.parametrize(
    ("prefix", "logged_in", "logged_out"),
    [
        ("/en", "You are logged in as", "You have logged out."),
        ("", "U bent ingelogd als", "U bent uitgelogd."),
    ],
)
def test_the_messages_after_logging_in_and_out_use_the_sites_words(
    client, prefix, logged_in, logged_out
):
    """allauth's messages ("Successfully signed in as …") in the words of the menu: the English
    ones from locale/en, the Dutch ones from locale/nl."""
    user = UserFactory(password=PASSWORD)
    response = client.post(
        f"{prefix}/accounts/login/", {"login": user.email, "password": PASSWORD}, follow=True
    )
    shown = " ".join(str(message) for message in response.context["messages"])
    assert logged_in in shown
    assert "signed in" not in shown.lower()
    response = client.post(f"{prefix}/accounts/logout/", follow=True)
    shown = " ".join(str(message) for message in response.context["messages"])
    assert logged_out in shown
    assert "signed out" not in shown.lower()


def test_the_account_menu_marks_the_current_page(client):
    client.force_login(UserFactory())
    main = _main(client.get("/en/accounts/password/change/"))
    nav = re.search(r'<nav class="account-nav".*?</nav>', main, re.S).group(0)
    assert '<ul class="account-nav__tabs">' in nav
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [
        "/en/accounts/password/change/"
    ]
    assert 'aria-label="My account"' in nav
    assert "<form" not in main[: main.index("<nav")]  # the menu comes first


def test_a_page_under_my_courses_marks_my_courses_in_the_menu(client):
    enrolment = held_enrolment()
    client.force_login(enrolment.user)
    main = _main(client.get(f"/en/mijn-cursussen/{enrolment.reference}/"))
    nav = re.search(r'<nav class="account-nav".*?</nav>', main, re.S).group(0)
    assert re.findall(r'href="([^"]+)" aria-current="(\w+)"', nav) == [
        ("/en/mijn-cursussen/", "true")
    ]


def test_the_e_mail_page_is_in_the_site_design(client):
    user = UserFactory()
    client.force_login(user)
    main = _main(client.get("/en/accounts/email/"))
    assert 'class="field account-field' in main
    assert escape(user.email) in main
    assert 'class="actions account-actions"' in main


def test_staff_set_up_the_authenticator_app_on_a_page_in_the_site_design(client):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.get("/en/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    main = _main(response)
    assert 'class="account-img account-img--qr"' in main
    secret = _field(main, "authenticator_secret")
    assert secret.index('<label for="authenticator_secret">') < secret.index("<input")
    assert 'aria-describedby="authenticator_secret_helptext"' in secret
    assert 'class="field account-field' in _field(main, "id_code")


def test_staff_enter_their_code_on_a_log_in_page(client):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    secret = totp_enable(user)
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    response = client.get("/en/accounts/2fa/authenticate/")
    main = _main(response)
    assert re.search(r'<button type="submit" class="button">\s*Log in\s*</button>', main)
    assert _title(response) == "Log in | Routewijzer"
    assert 'class="field account-field' in _field(main, "id_code")
    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302


def test_the_two_factor_page_lists_its_panels_with_the_sites_buttons(client):
    client.force_login(UserFactory())
    main = _main(client.get("/en/accounts/2fa/"))
    assert '<section class="account-panel">' in main
    assert re.search(r'<a href="/en/accounts/2fa/totp/activate/" class="button">', main)


def test_messages_are_a_list_inside_a_status_region(client, site_pages):
    """role="status" on the list itself would take the items out of their list (axe: listitem);
    the region wraps the list instead. Shown after a log-out, which adds a message."""
    user = UserFactory()
    client.force_login(user)
    response = client.post("/en/accounts/logout/", follow=True)
    html = response.content.decode()
    assert re.search(
        r'<div class="messages" role="status"><ul class="messages__list"><li class="message', html
    )
    assert '<ul class="messages" role="status">' not in html
