import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per web worker (see gridcare.cli)
application = get_wsgi_application()

# Load WeasyPrint (about a second) with the web process rather than on the first customer's bill PDF;
# command-line tools never import it unless they render a PDF.
import weasyprint  # noqa: E402, F401
