"""``{{ minutes|hours }}``: whole minutes as hours to one decimal (rules/volunteering.py hours_text)."""

from django import template

from grassroots.rules.volunteering import hours_text

register = template.Library()


@register.filter
def hours(minutes):
    return hours_text(minutes)
