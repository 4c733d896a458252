// CustomerSource's entry at its old path: the image, docker compose and deploy checks start it here.
import './customersource/main.ts';
