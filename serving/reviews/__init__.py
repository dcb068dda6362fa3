"""Three-level review of asset versions (AI → agency → brand), the merge gate, scorecards and feedback."""
