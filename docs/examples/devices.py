"""A "Your devices" page: every session of the logged-in user, with "sign
out that device" and "sign out everywhere else"."""

import html

import webob

from cookiesession import SessionMiddleware, check_csrf_token, csrf_token, get_session


def devices_app(sessions):
    """The app, on a RedisSessionInterface(client, user_key="user_id",
    device_key="device")."""

    def app(environ, start_response):
        request = webob.Request(environ)
        session = get_session(environ)
        response = webob.Response(content_type="text/html")
        if request.path == "/login":  # after checking the password
            session.clear()  # a new id: an id planted before is worth nothing
            session["user_id"] = request.params["user"]
            session["device"] = request.user_agent or "unknown device"
        user = session.get("user_id")
        if user is None:
            response.text = "Please log in."
            return response(environ, start_response)
        if request.method == "POST":
            if not check_csrf_token(session, request.POST.get("csrf_token")):
                return webob.Response(status=403)(environ, start_response)
            if request.path == "/devices/sign-out":
                sessions.revoke_session(user, request.POST["handle"])
            elif request.path == "/devices/sign-out-others":
                for device in sessions.list_sessions(user, current=session):
                    if not device["current"]:
                        sessions.revoke_session(user, device["handle"])
        token = csrf_token(session)
        rows = []
        for device in sessions.list_sessions(user, current=session):
            name = html.escape(str(device["device"]))
            if device["current"]:
                rows.append(f"<li>{name} (this device)</li>")
            else:
                rows.append(
                    f'<li>{name} <form method="post" action="/devices/sign-out">'
                    f'<input type="hidden" name="handle" value="{device["handle"]}">'
                    f'<input type="hidden" name="csrf_token" value="{token}">'
                    "<button>Sign out</button></form></li>"
                )
        response.text = (
            f"<ul>{''.join(rows)}</ul>"
            '<form method="post" action="/devices/sign-out-others">'
            f'<input type="hidden" name="csrf_token" value="{token}">'
            "<button>Sign out everywhere else</button></form>"
        )
        return response(environ, start_response)

    return app


def make_application(client, config):
    from cookiesession.redis import RedisSessionInterface

    sessions = RedisSessionInterface(client, user_key="user_id", device_key="device")
    return SessionMiddleware(devices_app(sessions), config, session_interface=sessions)
