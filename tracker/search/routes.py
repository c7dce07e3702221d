"""The search page: `/search?q=…` with the plan page's filters, within the user's scope."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField

from tracker import policy
from tracker.plans.forms import ItemFilterForm, read_filters
from tracker.plans.service import FilterChoices, visible_plan_ids
from tracker.search import bp
from tracker.search.service import choices_of, ranked, result_page
from tracker.search.text import MAX_QUERY_LENGTH, parse_query
from tracker.web import page_number, tracker_today


class SearchForm(ItemFilterForm):
    """The words, and the plan page's filters (a GET form: junk is ignored, never an error)."""

    q = StringField(_l("Search"))


@bp.get("/search")
def search():
    """Items whose title, notes, coordination, documents or agencies hold the words
    (diacritics and case ignored), in the lists the user may see, best first."""
    form = SearchForm(request.args)
    text = (form.q.data or "").strip()[:MAX_QUERY_LENGTH]
    query = parse_query(text)
    items = None
    if not query.empty:
        scope = policy.plan_scope(current_user)
        plan_ids = None if scope is None else visible_plan_ids(scope)
        # The filters as asked (the values offered are those of the results, known after).
        filters = read_filters(form, asked_values(form))
        found = ranked(query, plan_ids, filters, tracker_today())
        read_filters(form, choices_of(found, filters))
        items = result_page(found, page_number(), current_app.config["ITEMS_PER_PAGE"])
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("search/results.html", form=form, q=text, items=items,
                           today=tracker_today(), args=args)



def asked_values(form: SearchForm) -> FilterChoices:
    """The lead, period and level the query string names, as the only values offered: a
    lead must be a number, the texts are bounded (anything else is ignored, as on a list)."""
    lead = form.lead.data or ""
    short = [text for text in (form.period.data, form.level.data) if text and len(text) <= 200]
    return FilterChoices([(int(lead), "")] if lead.isdigit() and len(lead) < 10 else [],
                         short[:1] if form.period.data in short else [],
                         [form.level.data] if form.level.data in short else [])
