import asyncio, httpx, time, collections
from bodies import big_body, HEADERS
body = big_body(60)
async def main(url):
    codes = collections.Counter(); t0=time.perf_counter()
    async with httpx.AsyncClient(timeout=900, limits=httpx.Limits(max_connections=64)) as http:
        async def one(i):
            try:
                r = await http.post(url + "/removebg/fast/removebg", content=body, headers=HEADERS)
                codes[r.status_code]+=1
            except httpx.TransportError as e:
                codes[type(e).__name__]+=1
        await asyncio.gather(*(one(i) for i in range(64)))
    print(codes, time.perf_counter()-t0)
asyncio.run(main("http://127.0.0.1:8765"))
