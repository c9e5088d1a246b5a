"""The words of the costs page: the sheet upload, its preview and its rejected lines."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "costs_intro": {
        "en": (
            "A CSV with a sku or product_id column and any of cost_price, min_price, max_price, map_price, "
            "excluded, fixed_price (UTF-8, ; or , separated; Arabic digits are fine). Nothing changes until "
            "you apply, and a file with any rejected line changes nothing."
        ),
        "ar": (
            "ملف CSV فيه عمود sku أو product_id وأيٌّ من cost_price وmin_price وmax_price وmap_price "
            "وexcluded وfixed_price (UTF-8، بفاصل ; أو ،؛ الأرقام العربية مقبولة). لا يتغير شيء حتى تطبّق، "
            "والملف الذي فيه سطر مرفوض لا يغيّر شيئًا."
        ),
    },
    "applied_n": {"en": "Applied: {n} product(s) updated.", "ar": "طُبّق: حُدِّث {n} منتجًا."},
    "rejected_lines": {"en": "Rejected lines ({n})", "ar": "أسطر مرفوضة ({n})"},
    "line": {"en": "Line", "ar": "السطر"},
    "fix_and_upload": {
        "en": "Fix these lines and upload the file again; nothing was changed.",
        "ar": "صحّح هذه الأسطر وارفع الملف مرة أخرى؛ لم يتغير شيء.",
    },
    "changed_n": {"en": "Changed ({n})", "ar": "تغيّر ({n})"},
    "would_change_n": {"en": "Would change ({n})", "ar": "سيتغير ({n})"},
    "before": {"en": "Before", "ar": "قبل"},
    "after": {"en": "After", "ar": "بعد"},
    "unchanged_n": {"en": "{n} line(s) change nothing.", "ar": "{n} سطرًا لا يغيّر شيئًا."},
    "preview": {"en": "Preview", "ar": "معاينة"},
    "apply": {"en": "Apply", "ar": "تطبيق"},
    "download_csv": {"en": "Download CSV", "ar": "تنزيل CSV"},
}

__all__ = ["LABELS"]
