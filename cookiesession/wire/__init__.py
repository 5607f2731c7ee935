"""Sans-IO formats: signed values (itsdangerous' format, with a fast path),
sealed values (AES-GCM) and the ``Cookie`` / ``Set-Cookie`` headers. Nothing
here knows a session, a setting or an environ."""
