from wagtail.models import Page, Site

from cms.models import CataloguePage, HomePage


def build_site() -> dict:
    """Replace Wagtail's welcome page with our home page and a catalogue at /aanbod/."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Routewijzer", slug="routewijzer"))
    catalogue = home.add_child(instance=CataloguePage(title="Cursusaanbod", slug="aanbod"))
    site = Site.objects.get(is_default_site=True)
    old_root = site.root_page
    site.root_page = home
    site.save()
    old_root.delete()
    return {"home": home, "catalogue": catalogue, "site": site}
