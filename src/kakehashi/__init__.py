"""Kakehashi: integrated employment support for a city and Hello Work at one desk."""
