"""The search page: `/search?q=…` with the plan page's filters, within the user's scope."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField

from tracker import policy
from tracker.plans.forms import ItemFilterForm, read_filters
from tracker.plans.service import visible_plans
from tracker.search import bp
from tracker.search.service import ranked_ids, result_page, search_choices
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
        scope = visible_plans(None if policy.sees_every_plan(current_user)
                              else current_user.agency_id)
        filters = read_filters(form, search_choices(query, scope))
        items = result_page(ranked_ids(query, scope, filters, tracker_today()), page_number(),
                            current_app.config["ITEMS_PER_PAGE"])
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("search/results.html", form=form, q=text, items=items,
                           today=tracker_today(), args=args)

