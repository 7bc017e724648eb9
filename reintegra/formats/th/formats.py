# Thai: day, the Thai month abbreviation, year ("30 พ.ย. 2026", or 2569 for a reader who chose the
# Buddhist era; see lib/dates.py). One format for a day and one for a moment on every page.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
# Django's Thai formats put 25/10/2006 first, which a date input (<input type="date">) cannot
# show: its value must be ISO 8601, so that comes first; the Thai forms are still understood.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]
