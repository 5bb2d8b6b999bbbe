from django.urls import path

from .views import audit, elders, family, inbox, profile, providers, region, shell

app_name = "web"

urlpatterns = [
    path("", shell.home, name="home"),
    path("login/", shell.login_view, name="login"),
    path("logout/", shell.logout_view, name="logout"),
    path("preferences/language/", shell.language, name="language"),
    path("preferences/large-text/", shell.large_text, name="large_text"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", inbox.mark_read, name="inbox_read"),
    path("inbox/read-all/", inbox.mark_all_read, name="inbox_read_all"),
    path("providers/", providers.provider_list, name="providers"),
    path("providers/<int:provider_id>/", providers.provider_detail, name="provider"),
    path("providers/<int:provider_id>/decide/", providers.provider_decide, name="provider_decide"),
    path("elders/", elders.elder_search, name="elders"),
    path("elders/results/", elders.elder_results, name="elder_results"),
    path("elders/new/", elders.elder_register, name="elder_register"),
    path("elders/<int:elder_id>/", elders.elder_detail, name="elder"),
    path("family/", family.family_home, name="family"),
    path("family/link/", family.family_link, name="family_link"),
    path("family/<int:elder_id>/consent/", family.family_consent, name="family_consent"),
    path(
        "family/consents/<int:consent_id>/withdraw/",
        family.family_withdraw,
        name="family_withdraw",
    ),
    path("me/", profile.my_profile, name="my_profile"),
    path("me/links/<int:link_id>/confirm/", profile.confirm_link, name="confirm_link"),
    path("region/", region.region_overview, name="region"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
]
