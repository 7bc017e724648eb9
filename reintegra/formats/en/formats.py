# English as the network writes it (day, short month, year: "30 Nov 2026"), one format for a day
# and one for a moment on every page (lib/dates.py); the short formats are the same, so that
# nothing else (a form, the admin) shows a third one. Day-first, as in Thailand and in most of
# Asia, and never ambiguous the way 11/30/2026 and 30/11/2026 are.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
# Date inputs (<input type="date">) send and show ISO 8601 whatever the language: it comes first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %b %Y", "%d/%m/%Y"]
