"""Extension objects, created unbound and initialised in ``create_app``."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from tracker.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
babel = Babel()
csrf = CSRFProtect()
login = LoginManager()
bootstrap = Bootstrap5()
