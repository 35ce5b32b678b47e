"""Two-factor sign-in: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

``app_codes`` keeps the app's secret sealed and computes its codes, ``recovery`` makes and
spends recovery codes, ``enrolment`` turns two-factor sign-in on and off (and lets an
administrator reset it), ``sign_in`` checks the code typed after the password and the
"remember this device" cookie.
"""
