"""A RetinaNet-style detector: ResNet stem, FPN neck, RoI refinement, and a segmentation branch.

Hover the names to see your notes: FPN, nn.BatchNorm2d, torch.cat, roi_align, seg_head,
sigmoid_focal_loss.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import roi_align, sigmoid_focal_loss


class Stem(nn.Module):
    """Small unpadded stem: its 3x3 convs shrink the map, so RoIs at the border collapse."""

    def __init__(self, in_channels=3, width=64):
        super().__init__()
        # Conv with a bias right before BatchNorm: BN's mean subtraction cancels the bias.
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, stride=2)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, bias=True)
        self.bn2 = nn.BatchNorm2d(width)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.conv2(x)
        x = self.bn2(x)
        return F.relu(x)


class FPN(nn.Module):
    """Feature pyramid: lateral 1x1 convs, top-down upsampling and addition, 3x3 smoothing."""

    def __init__(self, in_channels_list=(256, 512, 1024, 2048), out_channels=256):
        super().__init__()
        self.lateral_convs = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in in_channels_list)
        self.output_convs = nn.ModuleList(
            nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in in_channels_list
        )

    def forward(self, features):
        laterals = [conv(f) for conv, f in zip(self.lateral_convs, features)]
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], scale_factor=2, mode="nearest")
        return [conv(p) for conv, p in zip(self.output_convs, laterals)]


class SegHead(nn.Module):
    """Semantic segmentation head on P2: a single 3x3 conv straight to the classes."""

    def __init__(self, in_channels=256, num_classes=21):
        super().__init__()
        self.cls_seg = nn.Conv2d(2 * in_channels, num_classes, kernel_size=3, padding=1)

    def forward(self, p2, p3):
        up = F.interpolate(p3, size=p2.shape[-2:], mode="bilinear", align_corners=False)
        fused = torch.cat([p2, up], dim=1)
        return self.cls_seg(fused)


class Detector(nn.Module):
    def __init__(self, backbone, num_classes=80):
        super().__init__()
        self.stem = Stem()
        self.backbone = backbone
        self.fpn = FPN()
        self.seg_head = SegHead(num_classes=21)
        self.box_head = nn.Linear(256 * 7 * 7, num_classes)

    def forward(self, images, boxes):
        feats = self.fpn(self.backbone(self.stem(images)))
        rois = roi_align(feats[0], boxes, output_size=(7, 7), spatial_scale=0.25, aligned=True)
        logits = self.box_head(rois.flatten(1))
        return logits, self.seg_head(feats[0], feats[1])


def classification_loss(logits, targets):
    return sigmoid_focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction="sum")
