"""Who has not registered yet: expected registrations per campaign and unit, and the
secretariat's coverage page that compares them with what each unit registered."""
