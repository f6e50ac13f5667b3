"""Training loop for the detector: large-batch SGD, learning rate scaled by batch size."""
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

from detector import Detector, classification_loss

batch_size = 1024
base_lr = 0.1
epochs = 90


def make_optimizer_no_warmup(model):
    # Linear scaling rule without any warmup: the first steps at lr=0.4 often diverge.
    lr = base_lr * batch_size / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    return optimizer, scheduler


def make_optimizer_with_warmup(model, warmup_epochs=5):
    lr = base_lr * batch_size / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    warmup = LinearLR(optimizer, start_factor=0.01, total_iters=warmup_epochs)
    cosine = CosineAnnealingLR(optimizer, T_max=epochs - warmup_epochs)
    scheduler = SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_epochs])
    return optimizer, scheduler


def train(model: Detector, loader):
    optimizer, scheduler = make_optimizer_with_warmup(model)
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(epochs):
        for images, boxes, labels, masks in loader:
            logits, seg = model(images, boxes)
            loss = classification_loss(logits, labels) + criterion(seg, masks)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}")


def make_loader(dataset):
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=8, drop_last=True)
