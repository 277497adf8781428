"""Flask extensions, created unbound and initialised in the factory."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from evosync.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# The client key is the socket peer: a client-supplied X-Forwarded-For is never trusted here.
# Behind a proxy, the deployment wraps the app in ProxyFix with the exact hop count.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
