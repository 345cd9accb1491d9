"""Action plans and indexes rendered from Jinja2 templates."""
from .plans import PLAN_FORMATS, plan_context, plan_filename, render_index, render_plan, write_plans

__all__ = ["PLAN_FORMATS", "plan_context", "plan_filename", "render_index", "render_plan", "write_plans"]
