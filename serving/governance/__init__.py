"""Studio governance routes: the brand kit (VI pack) as a form, and branches with their head commits."""
