import { describe, expect, it } from 'vitest';
import { apiHostOf, isLoopbackRegistry, registryNameOf, registryOfAuthKey } from '../../src/image/registry-name.js';

describe('registryNameOf: the registry and repository Docker reads from an image name', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx'],
    ['bitnami/nginx', 'docker.io', 'bitnami/nginx'],
    ['docker.io/nginx', 'docker.io', 'library/nginx'],
    ['index.docker.io/library/nginx', 'docker.io', 'library/nginx'],
    ['docker.io/team/app/worker', 'docker.io', 'team/app/worker'],
    ['registry.example.com/team/app', 'registry.example.com', 'team/app'],
    ['registry.example.com:5000/app', 'registry.example.com:5000', 'app'],
    ['localhost/app', 'localhost', 'app'],
    ['localhost:5000/team/app', 'localhost:5000', 'team/app'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000', 'app'],
    // A first component without ".", ":" or uppercase is a Docker Hub namespace, not a host.
    ['registry/app', 'docker.io', 'registry/app'],
    ['Registry/app', 'registry', 'app'],
    ['[::1]:5000/app', '[::1]:5000', 'app'],
  ])('%s is %s + %s', (name, registry, repository) => {
    expect(registryNameOf(name)).toEqual({ registry, repository });
  });

  it("speaks to Docker Hub's API host, and to every other registry at its own name", () => {
    expect(apiHostOf('docker.io')).toBe('registry-1.docker.io');
    expect(apiHostOf('registry.example.com:5000')).toBe('registry.example.com:5000');
  });

  it('reads DOCKER_AUTH_CONFIG keys as hosts, host:port or URLs, Docker Hub under any of its names', () => {
    expect(registryOfAuthKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryOfAuthKey('registry-1.docker.io')).toBe('docker.io');
    expect(registryOfAuthKey('http://registry.example.com:5000/v2/')).toBe('registry.example.com:5000');
    expect(registryOfAuthKey('Registry.Example.com')).toBe('registry.example.com');
  });

  it('treats localhost and 127.0.0.0/8 as loopback (plain HTTP allowed), nothing else', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000'])
      expect(isLoopbackRegistry(host), host).toBe(true);
    for (const host of ['registry.example.com', '128.0.0.1:5000', '127.0.0.1.example.com', 'localhost.example.com'])
      expect(isLoopbackRegistry(host), host).toBe(false);
  });
});
