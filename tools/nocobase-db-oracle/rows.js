// The rows both sides query: NocoBase here, filterop's corpus test in Go
// (it seeds them from the recorded corpus). Nulls, empty strings, pattern
// characters, day boundaries in +08:00 and posts without an author or tags
// are here on purpose.
'use strict';

const ROWS = {
  users: [
    { id: 1, name: 'ann', email: 'ann@example.com', age: 30 },
    { id: 2, name: 'bob', email: null, age: 41 },
    { id: 3, name: "O'Brien", email: 'ob@example.org', age: null },
    { id: 4, name: null, email: '', age: 25 },
    { id: 5, name: 'Ünal', email: 'UNAL@EXAMPLE.COM', age: 30 },
  ],
  profiles: [
    { id: 1, userId: 1, bio: 'writes go' },
    { id: 2, userId: 3, bio: null },
    { id: 3, userId: 5, bio: '' },
  ],
  tags: [
    { id: 1, name: 'go' },
    { id: 2, name: 'sql' },
    { id: 3, name: 'Go_lang' },
    { id: 4, name: null },
  ],
  posts: [
    { id: 1, title: 'Hello world', status: 'published', content: 'first post', views: 10, score: 1.5, published: true, publishedAt: '2024-01-01T02:00:00.000Z', labels: ['a', 'b'], authorId: 1 },
    { id: 2, title: 'Go tips_and 100% tricks', status: 'draft', content: 'tips', views: 0, score: null, published: false, publishedAt: '2024-01-01T15:59:59.000Z', labels: ['b'], authorId: 1 },
    { id: 3, title: 'héllo again', status: '', content: null, views: 5, score: -2, published: null, publishedAt: '2024-01-01T16:00:00.000Z', labels: [], authorId: 2 },
    { id: 4, title: '', status: 'archived', content: 'back\\slash', views: 100, score: 0, published: true, publishedAt: null, labels: null, authorId: 2 },
    { id: 5, title: 'It\'s "quoted"', status: 'draft', content: '', views: 7, score: 2.25, published: false, publishedAt: '2023-12-31T16:00:00.000Z', labels: ['c', 'a'], authorId: 3 },
    { id: 6, title: 'orphan', status: null, content: 'no author', views: null, score: null, published: null, publishedAt: '2024-02-29T12:00:00.000Z', labels: ['a'], authorId: null },
    { id: 7, title: 'HELLO AGAIN', status: 'published', content: 'Ünicode', views: 42, score: 10, published: true, publishedAt: '2024-03-31T16:30:00.000Z', labels: ['1', '2'], authorId: 4 },
    { id: 8, title: null, status: 'published', content: '50% off', views: 10, score: 1.5, published: false, publishedAt: '2025-06-15T00:00:00.000Z', labels: ['b', 'c'], authorId: 5 },
    { id: 9, title: 'go go go', status: 'review', content: 'tags galore', views: 3, score: 3, published: true, publishedAt: '2024-01-02T00:00:00.000Z', labels: ['a', 'b', 'c'], authorId: 99 },
    { id: 10, title: 'last', status: 'draft', content: 'x', views: -1, score: -0.5, published: null, publishedAt: '2023-12-31T15:59:59.999Z', labels: ['B'], authorId: 5 },
  ],
  postsTags: [
    { postId: 1, tagId: 1 },
    { postId: 2, tagId: 1 },
    { postId: 2, tagId: 2 },
    { postId: 4, tagId: 2 },
    { postId: 5, tagId: 3 },
    { postId: 7, tagId: 4 },
    { postId: 8, tagId: 1 },
    { postId: 8, tagId: 3 },
    { postId: 9, tagId: 1 },
    { postId: 9, tagId: 2 },
    { postId: 9, tagId: 3 },
  ],
};

module.exports = { ROWS };
