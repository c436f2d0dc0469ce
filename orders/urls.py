from django.urls import path

from orders import views

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/<str:number>/", views.order_detail, name="order-detail"),
    path("orders/<str:number>/transition/", views.order_transition_view, name="order-transition"),
    path("orders/<str:number>/notes/", views.order_note_view, name="order-note-add"),
    path("orders/<str:number>/reveal/", views.order_consignee_reveal_view, name="order-consignee-reveal"),
]
