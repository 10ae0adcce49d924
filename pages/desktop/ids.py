FIGURES = "desk-figures"
FOLLOW_UPS = "desk-follow-ups"
BIRTHDAYS = "desk-birthdays"
GREETING = "desk-greeting"
