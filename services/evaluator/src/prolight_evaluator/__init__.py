"""The ProLight evaluator: lighting metrics, SSIM, CLIP and LPIPS, micro-batched, on the bus
and over HTTP.

metrics.py      lighting checks: clipping, saturation, key:fill ratio, colour drift; their score
ssim.py         SSIM of image pairs, batched (torch, no weights)
clip_model.py   CLIP (open-clip-torch) from a local checkpoint: image/caption cosine
lpips_model.py  LPIPS with its backbone from a local torchvision checkpoint
models.py       `load_models`: both, once per process, or `Unavailable` with the reason
device.py       device and precision (bf16/fp16 autocast on CUDA, fp32 on the CPU)
caption.py      the text CLIP compares with, from the structured prompt
decode.py       image bytes → RGB pixels (PNG, JPEG, WebP by signature; size limits)
ensemble.py     per-metric scores, renormalised weights, `final`, ranking
scoring.py      `prepare` (per image, decode threads) and `Scorer` (per batch): the one path
batcher.py      `MicroBatcher`: concurrent callers → one model batch (N images or T ms)
worker.py       the evaluate task's work (the lifecycle is
`prolight.platform.task_worker.TaskWorker`)
uploads.py      the images of an /eval request: uploads, artifact ids, own artifact URLs, limits
artifact_url.py this deployment's artifact URLs → artifact ids; every other URL refused (no SSRF)
api.py          `POST /eval/clip`, `/eval/lpips`, `/eval/ensemble`, health routes
http_server.py  uvicorn inside the service's loop and lifetime
service.py      `serve(settings, stop)`: models, bus, stores, the shared durable, the HTTP API
settings.py     `EvaluatorSettings`
errors.py       the exceptions
"""

__all__: list[str] = []
