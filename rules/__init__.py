"""Work rules both the handlers and the scheduler apply: schedule policy, working days, quiet hours,
recipients, report cut-offs, deadlines, Vietnamese dates."""
