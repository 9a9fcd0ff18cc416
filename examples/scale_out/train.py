"""One training script, written against ``torch``, that runs on glassgrad and scales out on PyTorch.

    python -m glassgrad.as_torch examples/scale_out/train.py      # glassgrad: one process, see inside
    python examples/scale_out/train.py                             # PyTorch: one process
    torchrun --standalone --nproc_per_node=2 examples/scale_out/train.py   # PyTorch: DDP, 2 processes

A small classifier (``Net``, a Module subclass of our own) learns a synthetic task. Every process
draws the same data from the same seed; a ``DistributedSampler`` gives process ``rank`` every
``world_size``-th index of each epoch's shuffled order, and ``DistributedDataParallel`` averages the
gradients, so ``world_size`` processes with ``--batch-size B`` each take the same steps as one process
with ``--batch-size world_size·B`` (up to rounding). Under glassgrad ``torch.distributed`` reports
itself unavailable, and the script says so and runs as one process.

Checkpoints carry the model, optimizer and scheduler state and the step: ``--save PATH`` writes one,
``--resume PATH`` continues from one at the same place in the data. A checkpoint written under glassgrad
(``torch.save`` is ``glassgrad.save``: JSON and ``.npy``, never pickle) is read under PyTorch with
``glassgrad.interop.load_into_torch``; that is the hand-over of docs/scale-out.md.

The last line printed is ``final loss <full-data loss after the last step>``; with ``--print-steps`` each
step's loss on its global batch is printed too. Only process 0 prints and saves.
"""

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

ON_GLASSGRAD = torch.__name__ == "glassgrad"  # run with `python -m glassgrad.as_torch`


class Net(nn.Module):
    """Two hidden layers with a skip connection: a model of our own, not a built-in container."""

    def __init__(self, features: int, hidden: int, classes: int):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.mid = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        h = h + F.relu(self.mid(h))
        return self.out(h)


def make_data(n: int, features: int, classes: int, seed: int):
    """Points x ~ N(0, I) labelled by which of ``classes`` random directions they point along most."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=generator)
    directions = torch.randn(features, classes, generator=generator)
    return TensorDataset(x, (x @ directions).argmax(dim=1))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=40, help="train until this many steps in all")
    p.add_argument("--batch-size", type=int, default=32, help="per process")
    p.add_argument("--samples", type=int, default=512)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="write a checkpoint here after the last step")
    p.add_argument("--resume", help="continue from this checkpoint")
    p.add_argument("--print-steps", action="store_true", help="print every step's loss")
    return p.parse_args()


def load_checkpoint(path):
    if ON_GLASSGRAD:
        return torch.load(path)
    # a checkpoint written under PyTorch by this script is a glassgrad.save file too (see save_checkpoint)
    from glassgrad.interop import load_into_torch
    return load_into_torch(path)


def save_checkpoint(obj, path):
    if ON_GLASSGRAD:
        torch.save(obj, path)
    else:  # one format for both: the glassgrad.save file, readable without pickle on either side
        from glassgrad.interop import save_from_torch
        save_from_torch(obj, path)


def main():
    args = parse_args()
    torch.set_default_dtype(getattr(torch, args.dtype))
    distributed = "RANK" in os.environ  # set by torchrun
    if distributed:
        if not dist.is_available():
            raise SystemExit("launched by torchrun, but this torch has no torch.distributed")
        dist.init_process_group(backend="gloo")  # gloo: CPU processes; "nccl" for one GPU per process
        rank, world_size = dist.get_rank(), dist.get_world_size()
    else:
        rank, world_size = 0, 1
        if not dist.is_available():  # glassgrad's answer: it is one process
            print("torch.distributed is not available: training in one process")

    dataset = make_data(args.samples, 8, 4, args.seed)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, drop_last=True)

    torch.manual_seed(args.seed)  # the same initial weights in every process
    model = Net(8, 32, 4)
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.7)

    step = 0
    if args.resume:
        checkpoint = load_checkpoint(args.resume)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optim"])
        scheduler.load_state_dict(checkpoint["sched"])
        step = int(checkpoint["step"])

    trained = model  # the model whose state_dict is saved (DDP wraps it; its keys gain "module.")
    if distributed:
        from torch.nn.parallel import DistributedDataParallel
        model = DistributedDataParallel(model)

    steps_per_epoch = len(loader)
    while step < args.steps:
        epoch, skip = divmod(step, steps_per_epoch)
        sampler.set_epoch(epoch)  # a new order each epoch, the same in every process
        for i, (x, y) in enumerate(loader):
            if i < skip:  # resuming mid-epoch: these batches were trained on before the checkpoint
                continue
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()  # under DDP: the gradients are averaged over the processes here
            optimizer.step()
            scheduler.step()
            step += 1
            if args.print_steps:
                shown = loss.detach().clone()
                if distributed:  # the loss over the global batch: the mean of the processes' means
                    dist.all_reduce(shown)
                    shown /= world_size
                if rank == 0:
                    print(f"step {step} loss {shown.item():.17g}")
            if step == args.steps:
                break

    with torch.no_grad():
        x, y = dataset.tensors
        final = F.cross_entropy(trained(x), y).item()
    if rank == 0:
        if args.save:
            save_checkpoint({"model": trained.state_dict(), "optim": optimizer.state_dict(),
                             "sched": scheduler.state_dict(), "step": step}, args.save)
        print(f"final loss {final:.17g}")
    if distributed:
        dist.barrier()  # every process done before any tears the group down (gloo can abort otherwise)
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
