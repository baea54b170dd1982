# The image the component's job runs in: Node 24 (the current LTS), git and the bundled CLI as
# `gitops-image-bump`. Built by this project's pipeline and tagged with the commit SHA and, on release
# tags, the version. The base is pinned by digest (the tag beside it says what the digest is): the job
# holds a token with write access, so what it runs must not change under a moving tag. To move to a newer
# node:24-alpine, replace the digest with the one `docker buildx imagetools inspect node:24-alpine` shows.
FROM node:24-alpine@sha256:682368d8253e0c3364b803956085c456a612d738bd635926d73fa24db3ce53d7

ARG VERSION=development
LABEL org.opencontainers.image.title="gitops-image-bump" \
      org.opencontainers.image.description="Bump container images in a GitOps repository and push with a least-privilege GitLab token" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"

# git (and CA certificates for HTTPS) is all the bundle needs at run time, with GNU coreutils for the
# `timeout` git runs under (BusyBox's cannot stop git's whole process tree). npm, npx, corepack and yarn
# are not: the job never installs anything, so they go.
RUN apk add --no-cache git ca-certificates coreutils \
 && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /root/.npm /tmp/*

COPY LICENSE /usr/local/share/doc/gitops-image-bump/LICENSE
COPY dist/image-bump.mjs /usr/local/lib/gitops-image-bump/image-bump.mjs
RUN chmod 0755 /usr/local/lib/gitops-image-bump/image-bump.mjs \
 && ln -s /usr/local/lib/gitops-image-bump/image-bump.mjs /usr/local/bin/gitops-image-bump \
 && gitops-image-bump --version

# The image's `node` user, by number so that runners enforcing non-root users can check it.
USER 1000:1000
WORKDIR /home/node
CMD ["gitops-image-bump", "--help"]
