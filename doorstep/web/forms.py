"""Forms of the web pages. They parse and validate input; services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Mobile phone or username"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)
    actor_id = forms.IntegerField(label=_("Actor ID"), required=False, min_value=1)
    since = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until (date, exclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ElderSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Phone, name or ID number"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_(
            "11 digits search the phone, 18 characters the ID number, anything else the name."
        ),
    )


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        from .templatetags.doorstep_web import local_name

        return local_name(obj)


class ElderRegisterForm(forms.Form):
    """The fields an operator takes on the phone. Sex and birth date come from the ID."""

    full_name = forms.CharField(label=_("Real name"), max_length=64)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=24,
        help_text=_("18 characters; the last may be X."),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    region = RegionChoiceField(label=_("Community"), queryset=None, empty_label=_("Choose…"))
    address = forms.CharField(label=_("Address"), max_length=256, required=False)

    #: Service error ``details.field`` -> form field.
    FIELD_OF = {"region_id": "region", "lat": "address", "languages": "address"}

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def add_service_error(self, field: str | None, message: Any) -> None:
        name = self.FIELD_OF.get(field or "", field or "")
        self.add_error(name if name in self.fields else None, str(message))


class FamilyLinkForm(forms.Form):
    """A family member proves they know the elder: the ID number and the phone on record."""

    id_number = forms.CharField(label=_("Elder's resident ID number"), max_length=24)
    phone = forms.CharField(label=_("Elder's mobile phone"), max_length=20)
    relationship = forms.ChoiceField(label=_("You are the elder's"), choices=())
    place_orders = forms.BooleanField(label=_("I will also place orders"), required=False)
    receive_alerts = forms.BooleanField(label=_("Send me the elder's alarms"), required=False)

    FIELD_OF = {"user_id": None}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from doorstep.people.enums import Relationship

        super().__init__(*args, **kwargs)
        self.fields["relationship"].choices = Relationship.choices  # type: ignore[attr-defined]

    def add_service_error(self, field: str | None, message: Any) -> None:
        name = field if field in self.fields else None
        self.add_error(name, str(message))


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the notice above and I agree."),
        error_messages={"required": _("Tick the box to give your consent.")},
    )
