"""In-app notifications. The Results issue adds e-mail delivery and more kinds."""
