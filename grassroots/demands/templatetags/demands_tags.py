from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from grassroots.rules import masking, sla, tracking
from grassroots.rules.masking import mask_name, mask_numbers

register = template.Library()


@register.simple_tag
def deadline(due, now=None, show_left=True):
    """A deadline and, beside it, what is left of it: both from the one ``due`` (2026-12-15 23:59 剩余7个工作日)."""
    if not due:
        return ""
    now = now or timezone.now()
    when = format_html('<time datetime="{}">{}</time>', due.isoformat(),
                       timezone.localtime(due).strftime("%Y-%m-%d %H:%M"))
    if not show_left:
        return when
    return format_html('{} <span class="{}" data-testid="left">{}</span>', when, "late" if due < now else "",
                       sla.describe(due, now))


@register.filter
def code(value):
    return tracking.display(value or "")


@register.filter
def masked(name):
    return mask_name(name or "")


@register.filter
def public_text(text):
    """Free text for a public page: ID numbers and mobile numbers a resident typed into it are masked,
    however they were spelt (rules.masking.mask_numbers)."""
    return mask_numbers(text or "")


@register.filter
def public_summary(text):
    """A demand's text as the 40-character line of a public page, numbers masked before the cut."""
    return masking.public_summary(text or "")


@register.filter
def stars(rating):
    try:
        n = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)


@register.simple_tag
def demand_row(d, show_unit=False, now=None):
    """One line of a queue or list, built in Python: long lists render 50 of these per page, and a
    template include per row costs several times more (bench/bench_demands.py)."""
    now = now or timezone.now()
    tags = []
    if d.urgent:
        tags.append(("tag sensitive", "急难愁盼"))
    tags.append(("tag", d.get_kind_display()))
    tags.append(("tag ok" if d.status in ("resolved", "closed") else "tag", d.get_status_display()))
    if d.escalation_level:
        tags.append(("tag party", d.get_escalation_level_display()))
    meta = [d.category.name if d.category_id else "未分类", d.area.name]
    if show_unit:
        meta.append(d.lead_unit.name if d.lead_unit_id else "待派单")
    if d.is_open and d.due_at:
        # due_at is the response deadline until the demand is answered, then the resolution deadline: say which.
        late = d.due_at < now
        which = "办结" if d.responded_at else "响应"
        right = format_html('<span class="{}">{}{}</span> ›', "late" if late else "", which,
                            sla.describe(d.due_at, now))
    else:
        right = format_html("{} ›", timezone.localtime(d.created_at).strftime("%m-%d"))
    return format_html(
        '<li><a href="{}"><span><strong>{}</strong><br>{}<span class="muted">{}</span></span>'
        '<span class="muted nowrap">{}</span></a></li>',
        reverse("demands-detail", args=[d.pk]), d.summary,
        format_html_join("", '<span class="{}">{}</span>', tags), " · ".join(meta), right)
