from django.urls import path

from orders import views
from orders.review import views as review

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/<str:number>/", views.order_detail, name="order-detail"),
    path("orders/<str:number>/transition/", views.order_transition_view, name="order-transition"),
    path("orders/<str:number>/notes/", views.order_note_view, name="order-note-add"),
    path("orders/<str:number>/reveal/", views.order_consignee_reveal_view, name="order-consignee-reveal"),
    # inventory's page, of the one alert model (orders'), which inventory may not read
    path("stock/alerts/", review.stock_alerts, name="stock-alerts"),
]
