/** The fields of kustomize's images[] entry, which every editor reports its changes in. */
export interface ImageFields {
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** What one `--image` argument did to one kustomization. */
export interface ImageChange {
  name: string;
  /** The entry's fields before the edit; undefined when the entry was added. */
  before?: ImageFields;
  after: ImageFields;
  previousImage?: string;
  newImage: string;
  changed: boolean;
}
