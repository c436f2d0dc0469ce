"""Model fields every app may use."""

from __future__ import annotations

from django.db import models
from django.db.models.lookups import Exact, In

from config.crypto import secret_decrypt, secret_encrypt


class EncryptedTextField(models.TextField):
    """Text stored encrypted (``config.crypto``) and read back in clear.

    Each write encrypts afresh (a random IV), so the stored value cannot be searched: only ``= ""`` (is it
    set?) may be filtered on; any other lookup raises rather than silently matching nothing. Keep these fields
    out of simple-history (``excluded_fields``), forms that render values, serializers and logs.
    """

    description = "Text stored encrypted"

    def from_db_value(self, value, expression, connection):
        return secret_decrypt(value) if value is not None else value

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return secret_encrypt(value)


class _SecretExact(Exact):
    def get_prep_lookup(self):
        if self.rhs != "":
            raise TypeError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: it can only be compared "
                'with "" (is it set?). Load the rows and compare the values in Python.'
            )
        return ""


class _SecretIn(In):
    def get_prep_lookup(self):
        raise TypeError(f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: no __in lookups.")


EncryptedTextField.register_lookup(_SecretExact)
EncryptedTextField.register_lookup(_SecretIn)


class HttpsURLField(models.URLField):
    """A URL whose form field reads what is typed without a scheme as ``https://`` (``example.com/api`` →
    ``https://example.com/api``): the default of ``forms.URLField.assume_scheme`` from Django 6.0, said explicitly
    so Django 5.2 has nothing to warn about (a ``RemovedInDjango60Warning`` for each form field that does not say
    it; the ``FORMS_URLFIELD_ASSUME_HTTPS`` setting is transitional, deprecated itself and gone in 6.0). Every
    model form, the admin's included, gets it from here. Stored, validated and migrated as ``models.URLField``: it
    deconstructs as one, so migrations do not change."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs
