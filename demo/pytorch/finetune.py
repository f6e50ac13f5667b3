"""Fine-tuning the detector from a pretrained checkpoint."""
import torch
from torch import optim

from detector import Detector


def load_pretrained(model: Detector, path):
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state, strict=False)
    return model


def make_optimizer(model):
    return optim.Adam(model.parameters(), lr=3e-4, weight_decay=0.05)


def validate(model, loader):
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(1) == labels).sum().item()
    return correct / len(loader.dataset)
