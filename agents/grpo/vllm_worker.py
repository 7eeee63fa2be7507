"""Inside vLLM's workers: how the trainer's weights get into the engine's model.

`WeightLoader` is given to vLLM as `worker_extension_cls` (by its dotted name,
`WORKER_EXTENSION`), so vLLM mixes it into its GPU worker class, whatever that class is in
the installed version. The trainer reaches it with `llm.collective_rpc(method, args=...)`:
one call runs the method on every worker, whether the workers live in this process or in
vLLM's worker processes, tensor-parallel shards included (each worker's `load_weights`
receives the full tensor and keeps its own shard).

The tensors travel one of two ways (`VLLMSync` picks one, see vllm_engine.py):

* `direct`: the `(name, tensor)` list itself, zero copy. Only where `collective_rpc` is a
  plain call in this process (`VLLM_ENABLE_V1_MULTIPROCESSING=0` and one worker).
* `ipc`: `pack_weights` bytes: per tensor its CUDA IPC handle (torch's `reduce_tensor`; the
  worker maps the trainer's GPU memory, nothing goes through the host) with the GPU's UUID, or
  for a CPU tensor its value. Plain bytes cross vLLM's msgpack RPC without
  `VLLM_ALLOW_INSECURE_SERIALIZATION`; they are only ever made by this trainer for its own
  engine. The trainer keeps the tensors alive until `collective_rpc` returns (it waits for
  every worker).

After the last bucket, `rlvr_finish_weight_update` runs vLLM's `process_weights_after_loading`
on the model, as vLLM's own loader does after reading a checkpoint: layers that derive kernel
tensors from the loaded weights (MLA attention's absorbed matrices, repacked or padded
layouts) rebuild them. Quantised engines (`quantization=fp8`, ...) are not supported: their
post-processing replaces the loaded parameters, so a second `load_weights` needs vLLM's
layer-wise reload, which this module does not use.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from typing import Any

import torch

WORKER_EXTENSION = f"{__name__}.WeightLoader"
# index of `storage_device` in the args of torch's rebuild_cuda_tensor (the IPC handle tuple)
_IPC_DEVICE_ARG = 6


def weight_buckets(weights: Iterable[tuple[str, torch.Tensor]], bucket_bytes: int
                   ) -> Iterator[list[tuple[str, torch.Tensor]]]:
    """Consecutive lists of (name, contiguous tensor) of about `bucket_bytes` each (a tensor
    larger than that is a bucket alone): the most the trainer holds at once of tensors made
    for the push (merged LoRA weights), and one RPC per bucket."""
    bucket: list[tuple[str, torch.Tensor]] = []
    size = 0
    for name, tensor in weights:
        tensor = tensor.detach().contiguous()
        if bucket and size + tensor.nbytes > bucket_bytes:
            yield bucket
            bucket, size = [], 0
        bucket.append((name, tensor))
        size += tensor.nbytes
    if bucket:
        yield bucket


def pack_weights(bucket: list[tuple[str, torch.Tensor]]) -> bytes:
    """The `ipc` transport: CUDA tensors as IPC handles (keep `bucket` alive until the workers
    have loaded it), CPU tensors by value."""
    from torch.multiprocessing.reductions import reduce_tensor

    items: list[tuple[str, str, Any]] = []
    for name, tensor in bucket:
        if tensor.is_cuda:
            uuid = str(torch.cuda.get_device_properties(tensor.device).uuid)
            items.append(("cuda_ipc", name, (uuid, reduce_tensor(tensor))))
        else:
            items.append(("value", name, tensor))
    return pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_weights(payload: bytes) -> list[tuple[str, torch.Tensor]]:
    """The worker side of `pack_weights`: tensors that view the trainer's GPU memory (opened on
    the local index of the trainer's GPU, found by UUID) or CPU tensors."""
    out = []
    for kind, name, data in pickle.loads(payload):  # bytes from our own trainer only
        if kind == "value":
            out.append((name, data))
            continue
        uuid, (rebuild, args) = data
        args = list(args)
        args[_IPC_DEVICE_ARG] = _local_device_index(uuid)
        out.append((name, rebuild(*args)))
    return out


def _local_device_index(uuid: str) -> int:
    for i in range(torch.cuda.device_count()):
        if str(torch.cuda.get_device_properties(i).uuid) == uuid:
            return i
    raise RuntimeError(f"the trainer's GPU {uuid} is not visible to this vLLM worker: give the "
                       "trainer and the engine the same CUDA_VISIBLE_DEVICES")


def _process_weights_after_loading() -> Any:
    from vllm.model_executor.model_loader.utils import process_weights_after_loading
    return process_weights_after_loading


class WeightLoader:
    """Mixed into each vLLM worker (`worker_extension_cls`); `self` is the worker, which has
    `model_runner.model`, `model_config` and `device`. Method names carry an `rlvr_` prefix so
    that they never shadow a worker method."""

    model_runner: Any
    model_config: Any

    def rlvr_load_weights(self, weights: bytes | list[tuple[str, torch.Tensor]]) -> int:
        """Load one bucket (`pack_weights` bytes or a direct list); returns its tensor count."""
        ipc = isinstance(weights, bytes)
        pairs = unpack_weights(weights) if ipc else list(weights)
        self.model_runner.model.load_weights(weights=pairs)
        if ipc and torch.cuda.is_available():
            torch.cuda.synchronize()  # copies done before the trainer may free or reuse them
        return len(pairs)

    def rlvr_param_sums(self, names: list[str]) -> dict[str, float]:
        """float64 sums of the named parameters of this worker's model (its shard under
        tensor parallelism), for checks that a push took effect."""
        params = dict(self.model_runner.model.named_parameters())
        return {n: float(params[n].detach().double().sum()) for n in names if n in params}

    def rlvr_finish_weight_update(self) -> None:
        """vLLM's post-load step over the whole model, once all buckets are in."""
        model = self.model_runner.model
        device = getattr(self, "device", None) or next(model.parameters()).device
        _process_weights_after_loading()(model, self.model_config, device)


__all__ = ["WORKER_EXTENSION", "WeightLoader", "pack_weights", "unpack_weights",
           "weight_buckets"]
