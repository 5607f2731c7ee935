"""A Falcon app with the middleware around it."""

import falcon

from cookiesession import SessionMiddleware, get_session


class Visits:
    def on_get(self, req, resp):
        session = get_session(req.env)
        session["visits"] = session.get("visits", 0) + 1
        resp.text = f"Visit number {session['visits']}"


falcon_app = falcon.App()
falcon_app.add_route("/", Visits())
application = SessionMiddleware(falcon_app, {"SECRET_KEY": "dev"})
