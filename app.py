from dankheo import create_app

app = create_app()
