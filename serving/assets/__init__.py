"""Asset routes: uploads, the git-like repository of each brand, content and previews."""
