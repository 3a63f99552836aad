# A stand-in for the official `nginx` image, from Debian's nginx package, for machines that
# cannot pull from Docker Hub. Like the official image it serves /etc/nginx/conf.d/*.conf
# (compose.yaml mounts deploy/nginx.conf there), logs to the container's output and runs in the
# foreground. BASE: the Debian bookworm image made by ../shared/tools/docker-standin-base.sh.
ARG BASE=python:3.11-slim
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
